"""First contact: where clients connect (``endpoints``), the ``/`` page, and the ready-to-paste
client configurations the console's Connect page shows (``configs``)."""
