"""The citizen's own use cases, for the portal (issue 13): one facade, muster.citizen.services.

A layer of its own above casework and accounts, because "who viewed my record" names the office
of an officer's account (muster.accounts) and the extract holds the person's casework."""
