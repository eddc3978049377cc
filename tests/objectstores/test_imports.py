"""The object-store backends import their drivers on first use, never at import time."""

from __future__ import annotations

import subprocess
import sys

DRIVERS = ("boto3", "botocore", "s3fs", "gcsfs", "google.cloud.storage", "adlfs", "azure.storage.blob", "upath")


def test_backend_packages_import_no_storage_driver() -> None:
    code = (
        "import sys, dockyard.aws.s3, dockyard.gcp, dockyard.azure.adls2\n"
        f"print(','.join(m for m in {DRIVERS!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
