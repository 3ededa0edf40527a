"""Delivery: how a committed change reaches every reader, by role.

- ``bus``: publish on commit (to this process, and to Redis for the others); the subscription.
- ``hub``: this process's registry of event streams, their epochs, the periodic check.
- ``stream``: one event's frames in seq order, the replay ``ring``, the fan-out to its readers.
- ``readers``: what a stream sends to; ``presence``: reader counts and editors at the console.
- ``wire``: frames encoded for the socket; ``admission``: sockets per client address.

What a frame says is ``liveblog.frames``; how a socket is written to under Daphne is
``liveblog.server``, the one module that knows Daphne's, autobahn's and Twisted's insides.
"""
