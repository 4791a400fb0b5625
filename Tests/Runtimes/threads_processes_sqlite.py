# threading, multiprocessing and sqlite3 (swrr's runtime suite, Tests/SwrrRuntimeTests): four
# threads insert rows into an sqlite3 database file under a lock, a multiprocessing pool of two
# worker processes squares numbers, and the time, random numbers and the threads' finishing order
# (which depends on the schedule) are printed. A replay must print all of it again, byte for byte.
import multiprocessing
import os
import random
import sqlite3
import sys
import threading
import time


def square(n):
    return n * n


def main(db_path):
    print("now:", time.time(), "random:", random.random(), os.urandom(8).hex(), flush=True)
    db = sqlite3.connect(db_path, check_same_thread=False)
    # A fresh table each run: the suite records the program three times with the same file.
    db.execute("drop table if exists items")
    db.execute("create table items (thread integer, n integer)")
    lock = threading.Lock()
    order = []

    def work(t):
        for i in range(50):
            with lock:
                db.execute("insert into items values (?, ?)", (t, t * 1000 + i))
        with lock:
            order.append(t)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.commit()
    print("rows:", db.execute("select count(*), sum(n) from items").fetchone(), "finishing order:", order)
    db.close()

    with multiprocessing.get_context("fork").Pool(2) as pool:
        print("squares:", pool.map(square, range(10)))
    print("sqlite", sqlite3.sqlite_version, "done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
