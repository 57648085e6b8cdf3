"""Lets the tests here import workflow_rules whatever pytest's import mode is."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
