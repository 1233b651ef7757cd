"""A dispatcher as its own OS process, for the fault tests (tests/scheduling/test_faults.py).

    DATABASE_URL=... python -m tests.support.dispatcher_worker OUT_FILE [--batch-size N] [--hang-after K]
        [--concurrency C]

Runs the real `scheduling.dispatch.dispatch_due` on the system clock with a sender that
appends "<follow_up_id>\\n" to OUT_FILE, flushed and fsynced before it returns: the moment
a real provider would have accepted the message. What the file holds was "sent" to the
outside world, whatever happens to this process next.

--hang-after K: after the K-th send is on disk, block inside the sender (as if the provider
call never returned) so the test can SIGKILL this process with the rest of its batch
still claimed. Prints the dispatch report as one JSON line when it finishes.
"""

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "followup_project.settings")

HANG_SECONDS = 300  # bounded: the test kills us long before this


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out_file")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--hang-after", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=None)
    args = parser.parse_args(argv)

    import django

    django.setup()

    from channels_out.senders.base import Outgoing, Sender, SendResult
    from scheduling.clock import system_clock
    from scheduling.dispatch import dispatch_due

    fd = os.open(args.out_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    lock = threading.Lock()

    class FileRecordingSender(Sender):
        name = "file-recording"
        count = 0

        def send(self, message: Outgoing) -> SendResult:
            with lock:  # the dispatcher calls senders from several threads
                os.write(fd, f"{message.follow_up_id}\n".encode())
                os.fsync(fd)  # accepted by the "provider": durable before we return
                self.count += 1
                hang = args.hang_after and self.count == args.hang_after
            if hang:
                time.sleep(HANG_SECONDS)
            return SendResult(provider_id=f"file-{message.follow_up_id}", delivery_status="sent")

    report = dispatch_due(
        system_clock, sender=FileRecordingSender(), batch_size=args.batch_size, concurrency=args.concurrency
    )
    os.close(fd)
    print(json.dumps({k: v for k, v in vars(report).items() if k != "outcomes"}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
