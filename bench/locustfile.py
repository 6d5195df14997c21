"""Locust users of the load and fault test (bench/load.py starts this file with `python -m locust`; it is not a
Django process: everything it needs comes in the JSON file named by LOAD_CONFIG).

Inspectors do what the field app (mobile/static/mobile/app.js) does: open /m/, load their villages and grids and
the unread badge, then report — a new client_uuid per report kept in an outbox, POST /api/issues/ (a GeoJSON
Feature) and then POST /api/issues/{id}/photos/ (multipart, `image` + `kind=before`). A 2xx is done; a 5xx,
408, 429, 401 or no connection keeps the item and it is sent again, with the SAME client_uuid and photo, until
it gets through (the app's `verdict()`); any other 4xx refuses it. Office users browse the battle map, vector
tiles, lights, counts and lists of their town.

Every request is logged (name, time, milliseconds, ok) and every acknowledgement (client_uuid, issue id, photo
sha256) is written to the results file at the end, with what was still in the outboxes.
"""
import hashlib
import itertools
import json
import os
import random
import time
import uuid
from http.cookiejar import DefaultCookiePolicy

import gevent
from locust import FastHttpUser, between, events, task

CONFIG = json.loads(open(os.environ["LOAD_CONFIG"], encoding="utf-8").read())
PHOTOS = [open(p, "rb").read() for p in CONFIG["photos"]]
PHOTO_SHA = [hashlib.sha256(b).hexdigest() for b in PHOTOS]
INSPECTORS = itertools.cycle(CONFIG["inspectors"])
OFFICE = itertools.cycle(CONFIG["office"])
T0 = time.time()

SAMPLES = []  # [name, t (s since start), ms, ok]
ACKS = {}  # client_uuid -> {"issue_id", "status", "photo_sha256", "photo_status", "user", "feature", "photo"}
OUTBOXES = []  # every inspector's outbox (list of items), read at the end
REFUSED = []


@events.request.add_listener
def _log(request_type, name, response_time, response_length, exception=None, **kwargs):
    SAMPLES.append([name, round(time.time() - T0, 3), round(response_time, 2), exception is None])


@events.test_stop.add_listener
def _save(environment, **kwargs):
    pending = [{k: v for k, v in item.items() if k != "photo_bytes"} for box in OUTBOXES for item in box]
    with open(CONFIG["results"], "w", encoding="utf-8") as f:
        json.dump({"t0": T0, "samples": SAMPLES, "acks": ACKS, "pending": pending, "refused": REFUSED}, f)


class _Session:
    """Cookies of a session the bench minted (no passwords in a bench database), sent by hand on each request."""

    def setup_client(self, who):
        self.client.cookiejar.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # ours only, none from replies
        self.headers = {"Cookie": f"sessionid={who['session']}; csrftoken={who['csrf']}", "X-CSRFToken": who["csrf"],
                        "Accept": "application/json"}

    def get(self, url, name):
        with self.client.get(url, name=name, headers=self.headers, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
            return r


def verdict(status):
    """The field app's verdict(): 2xx ok; 401, 408, 429, 5xx and no connection (0) later; other 4xx refused."""
    if 200 <= status < 300:
        return "ok"
    if status in (0, 401, 408, 429) or status >= 500:
        return "later"
    return "refused"


class Inspector(_Session, FastHttpUser):
    fixed_count = CONFIG["n_inspectors"]
    wait_time = between(*CONFIG["inspector_wait"])

    def on_start(self):
        self.me = next(INSPECTORS)
        self.setup_client(self.me)
        self.points = list(self.me["points"])
        random.shuffle(self.points)
        self.outbox = []
        OUTBOXES.append(self.outbox)
        # Opening the app: the page, the user's villages and grids (for naming a place), the unread badge.
        for url, name in ((CONFIG["urls"]["app"], "GET /m/"), (CONFIG["urls"]["villages"], "GET /api/villages/"),
                          (CONFIG["urls"]["grids"], "GET /api/grids/"), (CONFIG["urls"]["unread"], "GET unread")):
            self.get(url, name)

    @task
    def report(self):
        lon, lat = self.points.pop() if self.points else self.me["points"][0]
        k = random.randrange(len(PHOTOS))
        client_uuid = str(uuid.uuid4())
        item = {
            "client_uuid": client_uuid, "user": self.me["username"], "issue_id": None, "photo": k,
            "photo_sha256": PHOTO_SHA[k], "photo_status": None, "attempts": 0,
            "feature": {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                        "properties": {"category": random.choice(CONFIG["categories"]),
                                       "description": f"{CONFIG['tag']} 现场问题", "source": self.me["source"],
                                       "client_uuid": client_uuid, "crs": "wgs84",
                                       "accuracy_m": round(random.uniform(3, 25), 1)}},
        }
        self.outbox.append(item)
        self.sync()

    def sync(self):
        """Send what is in the outbox, oldest first; an item that must wait is sent again after a pause."""
        for item in list(self.outbox):
            pause = 1.0
            while True:
                outcome = self.send(item)
                if outcome != "later":
                    break
                gevent.sleep(pause * random.uniform(0.5, 1.5))
                pause = min(pause * 2, 8.0)
            self.outbox.remove(item)

    def send(self, item):
        item["attempts"] += 1
        if item["issue_id"] is None:
            status, data = self.post_json(CONFIG["urls"]["issues"], item["feature"], "POST /api/issues/")
            v = verdict(status)
            if v != "ok":
                return self.refuse(item, status, data) if v == "refused" else v
            item["issue_id"] = data["id"]
            ACKS[item["client_uuid"]] = {"issue_id": data["id"], "status": status, "user": item["user"],
                                         "photo_sha256": item["photo_sha256"], "photo_status": None,
                                         "attempts": item["attempts"]}
        url = CONFIG["urls"]["issue_photos"].replace("{id}", str(item["issue_id"]))
        status, data = self.post_photo(url, PHOTOS[item["photo"]], "POST /api/issues/{id}/photos/")
        v = verdict(status)
        if v != "ok":
            return self.refuse(item, status, data) if v == "refused" else v
        ACKS[item["client_uuid"]].update(photo_status=status, photo_id=data.get("id"))
        return "ok"

    def refuse(self, item, status, data):
        REFUSED.append({"client_uuid": item["client_uuid"], "status": status, "detail": str(data)[:300]})
        return "refused"

    def post_json(self, url, body, name):
        headers = dict(self.headers, **{"Content-Type": "application/json"})
        return self._post(url, json.dumps(body).encode(), headers, name)

    def post_photo(self, url, image, name):
        boundary = uuid.uuid4().hex
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nbefore\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="photo-1.jpg"\r\n'
                f"Content-Type: image/jpeg\r\n\r\n").encode() + image + f"\r\n--{boundary}--\r\n".encode()
        headers = dict(self.headers, **{"Content-Type": f"multipart/form-data; boundary={boundary}"})
        return self._post(url, body, headers, name)

    def _post(self, url, body, headers, name):
        with self.client.post(url, data=body, headers=headers, name=name, catch_response=True) as r:
            status = r.status_code or 0
            if not 200 <= status < 300:
                r.failure(f"HTTP {status}")
                return status, None
            try:
                return status, r.json()
            except ValueError:
                r.failure("not JSON")
                return 0, None


class Office(_Session, FastHttpUser):
    fixed_count = CONFIG["n_office"]
    wait_time = between(*CONFIG["office_wait"])

    def on_start(self):
        self.me = next(OFFICE)
        self.setup_client(self.me)
        self.tile_url = None

    def tile_template(self):
        """The signed tile URL template the battle map hands out (/api/tiles/token/), renewed when it expires."""
        if self.tile_url is None or time.time() > self.tile_expires - 30:
            r = self.get(CONFIG["urls"]["tile_token"], "GET /api/tiles/token/")
            if r.status_code != 200:
                return None
            data = r.json()
            self.tile_url, self.tile_expires = data["issues"], data["expires"]
        return self.tile_url

    def _view(self):
        """A random map view of the town: a centre near a problem and a bbox about 1.5 km across."""
        lon, lat = random.choice(self.me["points"])
        return lon, lat, f"{lon - 0.008:.6f},{lat - 0.006:.6f},{lon + 0.008:.6f},{lat + 0.006:.6f}"

    @task(1)
    def battle_map(self):
        self.get(CONFIG["urls"]["battle_map"], "GET /map/")

    @task(3)
    def pins_and_counts(self):
        # What the battle map fetches when the view moves (zoom ≥ 14): pins and the counts of the view.
        _, _, bbox = self._view()
        self.get(f"{CONFIG['urls']['issues']}?bbox={bbox}&page_size=2000", "GET /api/issues/?bbox")
        self.get(f"{CONFIG['urls']['counts']}?bbox={bbox}", "GET /api/issues/counts/?bbox")

    @task(4)
    def tiles(self):
        lon, lat, _ = self._view()
        z = random.choice((12, 14, 16))
        n = 2**z
        import math

        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        template = self.tile_template()
        if template is None:
            return
        for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):  # a screen shows a few tiles at once
            url = template.replace("{z}", str(z)).replace("{x}", str(x + dx)).replace("{y}", str(y + dy))
            if self.get(url, f"GET /tiles/issues/{z}/x/y.pbf?token").status_code == 403:
                self.tile_url = None  # expired under us: a new token next time

    @task(2)
    def lights(self):
        self.get(f"{CONFIG['urls']['lights']}?month={CONFIG['month']}&level=village", "GET /api/lights/")

    @task(2)
    def lists(self):
        page = random.randint(1, 5)
        self.get(f"{CONFIG['urls']['issues']}?page={page}&page_size=50", "GET /api/issues/?page")
        if random.random() < 0.3:
            self.get(CONFIG["urls"]["issue_list"], "GET /issues/")
