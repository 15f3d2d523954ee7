#!/usr/bin/env python3
"""A local stand-in for WeChat's API, speaking the documented protocol, for runs that cannot reach it.

  python3 .ci/fake_wechat.py PORT

GET  /sns/jscode2session?appid&secret&js_code&grant_type  → {"openid", "session_key"} (one openid per code)
GET  /cgi-bin/token?grant_type=client_credential&appid&secret → {"access_token", "expires_in": 7200}
POST /cgi-bin/message/subscribe/send?access_token=…          → {"errcode": 0, "errmsg": "ok"}
Anything else, or a request without its parameters, gets WeChat's own error shape.
"""
import hashlib
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class WeChat(BaseHTTPRequestHandler):
    def answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)  # WeChat answers 200 with an errcode
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/sns/jscode2session":
            if not (q.get("appid") and q.get("secret") and q.get("js_code")) or q.get("grant_type") != "authorization_code":
                return self.answer({"errcode": 40029, "errmsg": "invalid code"})
            digest = hashlib.sha256(q["js_code"].encode()).hexdigest()
            return self.answer({"openid": "o" + digest[:27], "session_key": digest[27:51]})
        if url.path == "/cgi-bin/token":
            if q.get("grant_type") != "client_credential" or not q.get("appid"):
                return self.answer({"errcode": 40013, "errmsg": "invalid appid"})
            return self.answer({"access_token": "fake-access-token", "expires_in": 7200})
        self.answer({"errcode": 404, "errmsg": "not found"})

    def do_POST(self):
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if url.path == "/cgi-bin/message/subscribe/send" and "access_token" in parse_qs(url.query):
            return self.answer({"errcode": 0, "errmsg": "ok"})
        self.answer({"errcode": 404, "errmsg": "not found"})

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), WeChat).serve_forever()
