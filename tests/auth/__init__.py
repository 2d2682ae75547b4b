"""Tests of karashi.auth: SigV4 vectors, botocore-signed requests, aws-chunked bodies."""
