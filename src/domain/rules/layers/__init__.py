"""One module per payer layer. Each exports `apply(claim, remaining, state, policy)`."""
