"""The rule engine: rule sets (YAML) scored against a call's transcript, pure.

``ruleset`` loads and validates packs (``options`` is the one option validator), ``engine``
evaluates a rule's condition tree with scopes and anchors, ``checks/`` holds one module per
check type behind one table, ``scoring`` turns verdicts into a score, ``providers`` passes
the models some checks need (``embeddings``, ``sentiment``), ``casefile`` reads the
``ROLE START END TEXT`` test cases and ``docs`` generates the check reference.
"""
