-- nvim-dap configuration for swrr-dap (record-and-replay debugging).
-- Put swrr-dap on your PATH (make build: .build/release/swrr-dap), then load this file from your
-- init.lua, e.g. `dofile("/path/to/swrr/adapter-manifest/nvim-dap.lua")`.
local dap = require("dap")

dap.adapters.swrr = {
  type = "executable",
  command = "swrr-dap",
  name = "swrr",
}

-- Launch attributes (exactly those swrr-dap accepts): program, args, cwd, env, stopOnEntry,
-- trace, record, process, exitedAtEnd. 'program' is recorded first, then debugged; 'trace' debugs
-- an existing recording; 'process' picks the process to debug in a recording of several;
-- 'exitedAtEnd' = false keeps the session at the end of the recording in clients that end it at
-- the exited event (nvim-dap does not: the default, true, is right here).
local configurations = {
  {
    name = "swrr: record and debug",
    type = "swrr",
    request = "launch",
    program = function()
      return vim.fn.input("Program: ", vim.fn.getcwd() .. "/", "file")
    end,
    args = {},
    cwd = "${workspaceFolder}",
    stopOnEntry = false,
  },
  {
    name = "swrr: debug a recording",
    type = "swrr",
    request = "launch",
    trace = function()
      return vim.fn.input("Trace directory: ", vim.fn.expand("~/.local/share/swrr/latest-trace"), "dir")
    end,
  },
}

dap.configurations.c = configurations
dap.configurations.cpp = configurations
dap.configurations.rust = configurations
