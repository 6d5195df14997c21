"""Exactly-once check after the load and fault test: what the clients were told against what the database and
the photo store hold. Pure logic over plain rows (bench/load.py reads them; tests/bench/test_load_check.py feeds
it broken cases).
"""
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Verdict:
    counts: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems


def verify(acks, issues, photos, media_root, pending=(), files=None):
    """acks: {client_uuid: {"issue_id", "photo_sha256", "photo_status"}} — the reports a client got a 2xx for
    (photo_status set when the photo upload got its 2xx too);
    issues: [(client_uuid, issue_id)] — every row of the run in patrol_issue (found by the run's tag);
    photos: [(issue_id, kind, sha256, file name)] — every patrol_photo row of those issues;
    pending: client_uuids still unsent in an outbox when the clients stopped (they may or may not be stored);
    files: names (relative to media_root) of the photo files on disk, to count those no row points at (a write
    interrupted between the file and its row leaves one: disk space, not a lost photo).
    """
    v = Verdict()
    media_root = Path(media_root)
    per_uuid = Counter(str(u) for u, _ in issues)
    ids = {str(u): i for u, i in issues}
    twice = sorted(u for u, n in per_uuid.items() if n > 1)
    for u in twice:
        v.problems.append(f"client_uuid {u} stored {per_uuid[u]} times")

    by_issue = {}
    for issue_id, kind, sha, name in photos:
        by_issue.setdefault(issue_id, []).append((kind, sha, name))

    found = missing = wrong_id = photo_acked = photo_row = photo_file = 0
    for u, ack in acks.items():
        if u not in ids:
            missing += 1
            v.problems.append(f"acknowledged report {u} (issue {ack['issue_id']}) is not in the database")
            continue
        if ids[u] != ack["issue_id"]:
            wrong_id += 1
            v.problems.append(f"report {u}: the client was told issue {ack['issue_id']}, the database has {ids[u]}")
            continue
        found += 1
        if not ack.get("photo_status"):
            continue
        photo_acked += 1
        rows = [(kind, name) for kind, sha, name in by_issue.get(ids[u], []) if sha == ack["photo_sha256"]]
        if not rows:
            v.problems.append(f"report {u}: acknowledged photo {ack['photo_sha256'][:12]} has no row")
            continue
        photo_row += 1
        path = media_root / rows[0][1]
        if not path.is_file() or not path.stat().st_size:
            v.problems.append(f"report {u}: photo file {rows[0][1]} is missing on disk")
            continue
        photo_file += 1

    duplicate_photos = 0
    for issue_id, rows in by_issue.items():
        for (kind, sha), n in Counter((k, s) for k, s, _ in rows).items():
            if n > 1:
                duplicate_photos += 1
                v.problems.append(f"issue {issue_id}: photo {sha[:12]} ({kind}) stored {n} times")
    known = set(acks) | {str(u) for u in pending}
    unknown = sorted(u for u in per_uuid if u not in known)
    for u in unknown:
        v.problems.append(f"stored report {u} was never sent by a client")
    v.counts = {
        "reports acknowledged (2xx)": len(acks),
        "in the database exactly once": found,
        "acknowledged but missing": missing,
        "acknowledged with another id": wrong_id,
        "client_uuids stored twice": len(twice),
        "photos acknowledged (2xx)": photo_acked,
        "with their photo row": photo_row,
        "with their photo file on disk": photo_file,
        "photos stored twice": duplicate_photos,
        "rows of the run in the database": len(issues),
        "still in an outbox at the end": len(list(pending)),
        "stored but never sent": len(unknown),
    }
    if files is not None:
        v.counts["photo files without a row"] = len(set(files) - {name for _, _, _, name in photos})
    return v
