"""Background work: rq jobs on Redis, the periodic sweep, and the in-process runner of the embedded default.

* `workflow.jobs.queues` -- queue names; scheduling each clock's next ladder rung as an rq job, and
  handing a backlog of due rungs to the workers (`claim_and_enqueue`).
* `workflow.jobs.rungs` -- the rung job rq runs (it fires the rung through `workflow.services.escalation`).
* `workflow.jobs.periodic` -- the sweep of what is due (``alur sweep``, or a thread of ``alur serve``).
* `workflow.jobs.worker` -- ``alur worker`` and the runtime its jobs use.

See docs/operations.md for how many of each process to run.
"""
