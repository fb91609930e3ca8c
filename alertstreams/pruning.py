"""What ``manage.py prune`` may delete of readstreams' records (core/pruning.py).

- Ingested message ids: what makes a message Kafka delivers again (after a crash, a rebalance, a reader
  started ``--from-beginning`` or a group reset to the earliest offset) a no-op. An id may only go once the
  broker can no longer deliver its message: set ``PRUNE_INGESTED_MESSAGES_DAYS`` above the topics'
  retention (``retention.ms``; Kafka's default is 7 days), with a margin. 0 (the default) keeps them.
- Dead letters: messages no handler could take, kept to be read and replayed; 0 (the default) keeps them.
"""
from __future__ import annotations

from core.pruning import Pruner, register

from .models import DeadLetter, IngestedMessage

register(Pruner("ingested message ids", "PRUNE_INGESTED_MESSAGES_DAYS",
                lambda before: IngestedMessage.objects.filter(created__lt=before), "ingested before"))
register(Pruner("dead letters", "PRUNE_DEAD_LETTERS_DAYS", lambda before: DeadLetter.objects.filter(created__lt=before)))
