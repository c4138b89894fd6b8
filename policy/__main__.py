"""`pulumi preview --policy-pack policy`: the ohmycoins security baseline as a CrossGuard pack."""

import sys
from pathlib import Path

# The CLI runs this file from policy/; the rules live in the `policy` package beside the program.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policy.pack import policies  # noqa: E402

PolicyPack(name="ohmycoins-security-baseline", enforcement_level=EnforcementLevel.ADVISORY, policies=policies())
