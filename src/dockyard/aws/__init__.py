"""AWS backends (``dagster_aws`` names): ``dockyard.aws.s3``.

Needs the ``aws`` extra (boto3, s3fs): ``pip install 'dockyard[aws]'``. Importing this package
loads neither; they are imported when a resource or I/O manager is first used.
"""

from __future__ import annotations
