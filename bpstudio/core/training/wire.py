"""Messages between the GUI and the training process, with arrays sent out of band.

A snapshot of a 784-128-10 network carries a few megabytes of arrays 30 times a second.
Pickled the usual way (what :meth:`Connection.send` does) each array is copied into the
pickle, and the pickle into the pipe; here the pickle (protocol 5) holds only the small
objects, and each contiguous array goes through the pipe straight from its memory and
comes out in a buffer of its own. An array keeps its writeable flag: one the sender had
marked read-only (as snapshots mark theirs) arrives read-only, the others writable.

One message is a header frame (the number of array buffers, their sizes, then the pickle)
followed by one frame per buffer.
"""

from __future__ import annotations

import contextlib
import pickle
import struct
import sys
from multiprocessing.connection import Connection

_COUNT = struct.Struct("!I")
_SIZE = struct.Struct("!Q")

#: Pipe capacity asked for on Linux (the default is 64 KiB; 1 MiB is the usual limit for
#: unprivileged processes): fewer round trips through the scheduler per snapshot.
PIPE_BYTES = 1 << 20


def send_message(connection: Connection, message: object) -> None:
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    views = [b.raw() for b in buffers]
    sizes = b"".join(_SIZE.pack(v.nbytes) for v in views)
    connection.send_bytes(_COUNT.pack(len(views)) + sizes + data)
    for view in views:
        connection.send_bytes(view)


def recv_message(connection: Connection) -> object:
    header = connection.recv_bytes()
    (count,) = _COUNT.unpack_from(header)
    offset = _COUNT.size
    buffers = []
    for _ in range(count):
        (size,) = _SIZE.unpack_from(header, offset)
        offset += _SIZE.size
        buffer = bytearray(size)
        if size:
            connection.recv_bytes_into(buffer)
        else:
            connection.recv_bytes()
        buffers.append(buffer)
    return pickle.loads(memoryview(header)[offset:], buffers=buffers)


def widen_pipe(connection: Connection) -> None:
    """Ask for a :data:`PIPE_BYTES` pipe behind ``connection`` (Linux; elsewhere a no-op)."""
    if not sys.platform.startswith("linux"):
        return
    import fcntl

    with contextlib.suppress(OSError):  # not a pipe, or over the limit: the default will do
        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
