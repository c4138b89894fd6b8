"""Tests of the offline engine and its tools: plan, diff, cost, picture."""
