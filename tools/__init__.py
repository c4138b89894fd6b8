"""The offline engine: runs the real program under Pulumi's mocks and reports what it would build."""
