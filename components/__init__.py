"""The AWS layer of Oh My Coins: one ComponentResource per concern."""
