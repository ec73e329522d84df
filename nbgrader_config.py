"""nbgrader configuration for the kit: solutions/ is the source, assignments/ the release."""

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "linear-classifiers-kit"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# A kernel that hangs should not stall a whole class: each cell gets at most this long.
c.ExecutePreprocessor.timeout = 600
c.Execute.timeout = 600
# Once the last cell has run and its output is in, the kernel is killed rather than asked to exit
# (asking waits a second or more per notebook, the whole class over).
c.Execute.shutdown_kernel = "immediate"
# Student outputs are cleared on release so the committed assignments/ stay clean.
c.ClearOutput.enabled = True
