"""A long-running boto3-style program: it reads credentials from a
credential_process through botocore for a while, as every request would,
with botocore's refresh windows scaled from 15 and 10 minutes to the
seconds given, and prints how many times it read them.

    python3 botocore_consumer.py CONFIG PROFILE SECONDS ADVISORY MANDATORY
"""
import sys
import time

import botocore.credentials
import botocore.session


def main():
    config, profile, seconds, advisory, mandatory = sys.argv[1:6]
    botocore.credentials.RefreshableCredentials._advisory_refresh_timeout = float(advisory)
    botocore.credentials.RefreshableCredentials._mandatory_refresh_timeout = float(mandatory)
    session = botocore.session.Session(profile=profile)
    session.set_config_variable('config_file', config)
    session.set_config_variable('credentials_file', '/nonexistent')
    creds = session.get_credentials()
    reads = 0
    end = time.monotonic() + float(seconds)
    while time.monotonic() < end:
        frozen = creds.get_frozen_credentials()
        assert frozen.access_key.startswith('AKIDCACHE'), frozen.access_key
        reads += 1
        time.sleep(0.05)
    print(reads)


main()
