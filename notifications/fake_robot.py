"""A local HTTP server that plays a WeCom/DingTalk group robot (127.0.0.1 only): for tests and the benchmark."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Robot:
    """Records every POST; `script` is a list of behaviours consumed one per request ("ok", "500", "slow"),
    then `default` for every later one."""

    def __init__(self, script=(), default="ok", slow_seconds=1.0):
        self.script, self.default, self.slow_seconds = list(script), default, slow_seconds
        self.requests, self.accepted = [], []
        self.lock = threading.Lock()
        robot = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps connections open between messages, as the real robots do

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with robot.lock:
                    mode = robot.script.pop(0) if robot.script else robot.default
                    robot.requests.append((self.path, body))
                if mode == "slow":
                    time.sleep(robot.slow_seconds)
                if mode == "500":
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:  # the client gave up (timeout)
                    return
                if mode == "ok":
                    with robot.lock:
                        robot.accepted.append((self.path, json.loads(body)))

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/robot/send?access_token=abc"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
