# METADATA
# title: PostgreSQL statements
# description: |
#   Deny and review reasons for a classified PostgreSQL command. Every
#   statement of a multi-statement text is judged on its own, together with
#   the kinds nested inside it (DML in CTEs, the statement under EXPLAIN or
#   PREPARE), and the reasons of all of them are collected, so the strictest
#   statement decides. What is denied or reviewed comes from the target's
#   profile in data.portcullis.postgres.profiles.
package portcullis.command.postgres

import data.portcullis.lib.targets

profile := data.portcullis.postgres.profiles[targets.profile]

# A statement the classifier could not parse cannot be judged, so it is
# denied whatever the data says (fail closed).
deny contains msg if {
	some i, statement in input.command.statements
	statement.kind == "unparseable"
	msg := concat("", [label(i, statement), "statement could not be parsed, so it cannot be judged"])
}

# Text with no classified statement means the classifier and the text disagree.
deny contains "command text was not classified into statements" if {
	count(input.command.statements) == 0
	trim_space(input.command.text) != ""
}

deny contains msg if {
	some i, statement in input.command.statements
	some kind in kinds(statement)
	kind in profile.deny_kinds
	msg := concat("", [label(i, statement), kind, " is not allowed on target ", input.target.name])
}

deny contains msg if {
	some i, statement in input.command.statements
	runs(statement)
	some called in object.get(statement, "functions", [])
	function_name(called) in profile.deny_functions
	msg := concat("", [label(i, statement), "function ", called, " is not allowed on target ", input.target.name])
}

deny contains msg if {
	profile.deny_copy_program
	some i, statement in input.command.statements
	statement.copy.program == true
	msg := concat("", [label(i, statement), "COPY ... PROGRAM runs a shell command on the database server"])
}

deny contains msg if {
	profile.deny_copy_server_files
	some i, statement in input.command.statements
	statement.copy.program == false
	statement.copy.stdio == false
	msg := concat("", [label(i, statement), "COPY to or from a server file is not allowed on target ", input.target.name])
}

review contains msg if {
	some i, statement in input.command.statements
	some kind in kinds(statement)
	kind in profile.review_kinds
	msg := concat("", [label(i, statement), kind, " needs approval on target ", input.target.name])
}

review contains msg if {
	profile.review_unbounded_writes
	some i, statement in input.command.statements
	some kind in kinds(statement)
	kind in {"update", "delete"}
	statement.has_where == false
	msg := concat("", [label(i, statement), upper(kind), " without a WHERE clause needs approval"])
}

review contains msg if {
	profile.review_unbounded_writes
	some i, statement in input.command.statements
	runs(statement)
	statement.where_tautology == true
	msg := concat("", [label(i, statement), "WHERE clause is always true, so the statement touches every row"])
}

review contains msg if {
	profile.review_explain_analyze_writes
	some i, statement in input.command.statements
	statement.explain_analyze == true
	statement.writes == true
	msg := concat("", [label(i, statement), "EXPLAIN ANALYZE executes the statement, and it writes"])
}

review contains msg if {
	profile.review_dynamic_sql
	some i, statement in input.command.statements
	runs(statement)
	statement.dynamic_sql == true
	msg := concat("", [label(i, statement), "dynamic SQL cannot be judged before it runs"])
}

# The kinds a statement can take effect as: its own, and those nested in it
# unless it only plans them.
kinds(statement) := {statement.kind} | {kind | runs(statement); some kind in object.get(statement, "nested_kinds", [])}

# A plain EXPLAIN plans the statement under it and runs nothing: no rows
# change, no volatile function is called (the planner folds only immutable
# ones, which cannot write), so the rules about what the nested statement
# would do do not apply. EXPLAIN ANALYZE runs it.
runs(statement) if statement.kind != "explain"

runs(statement) if statement.explain_analyze == true

# The classifier reports functions as written ("pg_catalog.lo_export");
# rules name them unqualified, as they resolve through pg_catalog anyway.
function_name(called) := trim_prefix(lower(called), "pg_catalog.")

label(i, statement) := concat("", ["statement ", format_int(i + 1, 10), " (", statement.kind, "): "])
