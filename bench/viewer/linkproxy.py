"""A loopback TCP proxy that behaves like one shared network link: a fixed one-way delay and a bandwidth cap per
direction shared by every connection (a byte leaves when the link has carried everything queued before it). It stands in
for DevTools' throttle when that costs too much CPU itself (bench.py's cross-check)."""
import asyncio
import threading


class LinkProxy:
    def __init__(self, target_port, port, mbit, rtt_ms):
        self.target, self.port = target_port, port
        self.rate = mbit * 1e6 / 8
        self.delay = rtt_ms / 2000
        self.free_at = {"up": 0.0, "down": 0.0}
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        ready.wait(10)

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", self.port))
        ready.set()
        self.loop.run_forever()

    async def _client(self, client_r, client_w):
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(self._pipe(client_r, server_w, "up"), self._pipe(server_r, client_w, "down"))

    async def _pipe(self, reader, writer, direction):
        queue = asyncio.Queue()

        async def deliver():
            while True:
                item = await queue.get()
                if item is None:
                    break
                at, data = item
                wait = at - self.loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                try:
                    writer.write(data)
                    await writer.drain()
                except (ConnectionError, OSError):
                    break
            try:
                writer.close()
            except (ConnectionError, OSError):
                pass

        task = asyncio.ensure_future(deliver())
        while True:
            try:
                data = await reader.read(65536)
            except (ConnectionError, OSError):
                data = b""
            if not data:
                break
            now = self.loop.time()
            done = max(now, self.free_at[direction]) + len(data) / self.rate
            self.free_at[direction] = done
            await queue.put((done + self.delay, data))
        await queue.put(None)
        await task

    def close(self):
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
