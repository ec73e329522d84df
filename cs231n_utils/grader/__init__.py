"""The instructor's grader: grade untrusted notebooks so that no student code decides a score.

The student runtime (the rest of :mod:`cs231n_utils`) never imports this package. One
submitted notebook is one job, a JSON spec in and a JSON result out, the same wherever it runs;
the stages, in the order a class goes through them, each in its own module::

    cs231n-kit grade <assignment> [--backend local|slurm|kubernetes]   (cli.cmd_grade)
      batch.grade_class
        ├─ batch.plan_jobs  collect: find submitted/<student>/<assignment>/; one records.JobSpec
        │                   per notebook -> grading/<assignment>/jobs/ (skip those with a result)
        ├─ a backend runs the jobs: local (processes forked from a preloaded forker),
        │  slurm (sbatch job arrays),
        │  kubernetes (an Indexed Job manifest to apply); each job, anywhere, is
        │     cs231n-kit grade-one SPEC.json  =  python -m cs231n_utils.grader.job SPEC.json
        │       job.run_job
        │         collect   stage a scratch copy of the submission folder
        │         rebuild   the notebook from solutions/, only the answer cells from the
        │                   submission (edits, deletions, duplicates become records.Flag)
        │         static    sources of the answer cells' functions, for loop and source checks
        │         execute   answer cells ──> client.SandboxClient ══ protocol ══> worker
        │                       (sandbox: bwrap, landlock, limits) the worker (sandbox.WORKER)
        │                   test cells here, in the clean process: the student's functions
        │                   are proxies that return plain arrays; scored by nbgrader's rule
        │         => executed notebook + records.JobResult (JSON), both written atomically
        ├─ batch.run_jobs   jobs that left no result run once more, then get a flagged result
        ├─> gradebook  nbgrader autograde of the executed notebooks (no execution), review marks
        └─> report     grading/<assignment>/report.{json,md,html} + scores/requirements/review.csv:
                       distributions, requirements most failed, review queue, grading facts
                       (class_stats, graded_jobs, similarity_file -> report_html, report_plots,
                       report_tables); grading/report.html + overview.csv (course_overview)
    cs231n-kit report [<assignment>]  (cli.cmd_report): the same from report.json

Modules: :mod:`.records` (JobSpec, JobResult, Flag, StudentReport), :mod:`.collect`,
:mod:`.job`, :mod:`.rebuild`, :mod:`.static`, :mod:`.execute`, :mod:`.client`,
:mod:`.protocol`, :mod:`.sandbox` (launcher), :mod:`.worker`, :mod:`.gradebook`,
:mod:`.report` (with :mod:`.class_stats`, :mod:`.graded_jobs`, :mod:`.similarity_file`,
:mod:`.course_overview`, :mod:`.report_html`, :mod:`.report_plots`, :mod:`.report_tables`),
:mod:`.batch`; backends :mod:`.local` (with :mod:`.forker`), :mod:`.slurm`,
:mod:`.kubernetes`.
"""
