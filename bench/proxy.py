"""What deploy/patrol.nginx does in front of gunicorn's unix socket, for the load test: take a client's TCP
connection, pass each request to the socket with the client address nginx would add (X-Forwarded-For appended,
X-Real-IP, X-Forwarded-Proto) and nothing the client claimed in X-Real-IP, and pass the answer back. The server
then takes the address by the production rule (core/clientaddr.py, PROXY_COUNT=1) from a socket whose own
REMOTE_ADDR is empty.

Like nginx's default upstream, one request per upstream connection (Connection: close); the client connection is
closed after its answer too. Bodies must carry Content-Length (the field app's and Locust's do).
"""
import asyncio
import threading

HOP = {b"connection", b"keep-alive", b"x-real-ip", b"x-forwarded-proto", b"proxy-connection"}


class AddressProxy:
    def __init__(self, socket_path, port):
        self.socket_path, self.port = socket_path, port
        self.loop = asyncio.new_event_loop()
        self.errors = 0
        started = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self.thread.start()
        started.wait(10)

    def _run(self, started):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port, limit=1 << 20, backlog=512))
        started.set()
        self.loop.run_forever()

    def stop(self):
        async def shutdown():
            self.server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    async def _handle(self, reader, writer):
        peer = writer.get_extra_info("peername")[0]
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head[:-4].split(b"\r\n")
            out, forwarded, length = [lines[0]], b"", 0
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                key = name.strip().lower()
                if key == b"x-forwarded-for":
                    forwarded = value.strip()
                    continue
                if key == b"content-length":
                    length = int(value.strip())
                if key not in HOP:
                    out.append(line)
            chain = (forwarded + b", " if forwarded else b"") + peer.encode()
            out += [b"X-Forwarded-For: " + chain, b"X-Real-IP: " + peer.encode(), b"X-Forwarded-Proto: http",
                    b"Connection: close"]
            body = await reader.readexactly(length) if length else b""
            up_reader, up_writer = await asyncio.open_unix_connection(self.socket_path, limit=1 << 20)
            up_writer.write(b"\r\n".join(out) + b"\r\n\r\n" + body)
            await up_writer.drain()
            while chunk := await up_reader.read(1 << 16):
                writer.write(chunk)
                await writer.drain()
            up_writer.close()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, OSError, ValueError):
            self.errors += 1
        finally:
            writer.close()
