"""A minimal Debug Adapter Protocol client over pipes: starts a debug adapter (swrr-dap), sends
requests with Content-Length framing and reads its messages. Used by examples/dap-demo (the
scripted session of `make demo`) and benchmarks/dap. `seen` is called with every message read,
so a caller can print or collect the events it skips over."""
import json
import subprocess


class Client:
    def __init__(self, exe, env, seen=None):
        self.p = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self.seq = 0
        self.seen = seen or (lambda message: None)

    def send(self, command, arguments=None):
        self.seq += 1
        m = {"seq": self.seq, "type": "request", "command": command}
        if arguments is not None:
            m["arguments"] = arguments
        b = json.dumps(m).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(b) + b)
        self.p.stdin.flush()

    def recv(self):
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            c = self.p.stdout.read(1)
            if not c:
                raise RuntimeError("swrr-dap ended early")
            header += c
        n = int(header.split(b":")[1].split(b"\r")[0])
        m = json.loads(self.p.stdout.read(n))
        self.seen(m)
        return m

    def until(self, pred):
        """Reads messages until one satisfies `pred` (a failed response is an error)."""
        while True:
            m = self.recv()
            if m.get("type") == "response" and not m.get("success"):
                raise RuntimeError(f"{m.get('command')} failed: {m.get('message')}")
            if pred(m):
                return m

    def request(self, command, arguments=None):
        """Sends a request and returns its response's body."""
        self.send(command, arguments)
        m = self.until(lambda m: m.get("type") == "response" and m.get("command") == command)
        return m.get("body") or {}

    def event(self, name):
        """The body of the next event `name`."""
        return self.until(lambda m: m.get("type") == "event" and m.get("event") == name).get("body") or {}

    def close(self):
        self.send("disconnect")
        self.until(lambda m: m.get("type") == "response" and m.get("command") == "disconnect")
        self.p.stdin.close()
        self.p.wait(timeout=30)
