"""The ohmycoins CrossGuard policy pack; `rules/` holds the rules as pure functions."""
