"""Archive-scale jobs (``cxrgen batch``): label, graph, score and generate over millions of
reports or studies on Ray Data, resumable shard by shard.

* :mod:`.work`    -- what one batch becomes (shared with the in-process commands; no Ray)
* :mod:`.shards`  -- input shards, atomic output shards, the done-manifest
* :mod:`.jobs`    -- one shard start to finish: row checks, error rows, outputs
* :mod:`.scoring` -- corpus scores from per-shard sufficient statistics (two passes for CIDEr-D)
* :mod:`.engine`  -- Ray: local instance or ``--address``, tasks / actor pool, summary
"""
