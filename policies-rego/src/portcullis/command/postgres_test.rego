package portcullis.command.postgres_test

import data.portcullis.command
import data.portcullis.testing

decide(target, statements) := d if {
	d := command.decision with input as testing.postgres(target, statements)
}

test_select_is_allowed_on_production if {
	d := decide(testing.prod_db, [testing.statement("select")])
	d.allow
	d.deny == []
	d.mask_derived == "mask"
}

test_production_denies_each_listed_kind if {
	denied := {kind |
		some kind in ["drop", "truncate", "alter", "alter_system", "role", "grant", "revoke", "do", "create_function"]
		d := decide(testing.prod_db, [testing.statement(kind)])
		not d.allow
		d.deny == [concat("", ["statement 1 (", kind, "): ", kind, " is not allowed on target prod-db"])]
	}
	count(denied) == 9
}

test_staging_allows_drop_but_not_alter_system if {
	decide(testing.staging_db, [testing.statement("drop")]).allow
	not decide(testing.staging_db, [testing.statement("alter_system")]).allow
}

test_nested_kind_is_judged if {
	d := decide(testing.prod_db, [testing.with_fields("explain", {"explain_analyze": true, "nested_kinds": ["drop"]})])
	d.deny == ["statement 1 (explain): drop is not allowed on target prod-db"]
}

# A plain EXPLAIN runs nothing: what the statement under it would do is not judged.
test_plain_explain_of_unbounded_delete_needs_no_review if {
	d := decide(testing.prod_db, [testing.with_fields("explain", {"has_where": false, "nested_kinds": ["delete"]})])
	d.allow
	not d.review.required
	d.deny == []
}

test_plain_explain_is_not_judged_by_what_it_plans if {
	planned := {
		"has_where": false, "where_tautology": true, "dynamic_sql": true,
		"nested_kinds": ["create", "drop"], "functions": ["pg_read_file"],
	}
	d := decide(testing.prod_db, [testing.with_fields("explain", planned)])
	d.allow
	not d.review.required
	ran := decide(testing.prod_db, [testing.with_fields("explain", object.union(planned, {"explain_analyze": true}))])
	not ran.allow
	count(ran.deny) == 2
}

test_explain_analyze_of_unbounded_delete_needs_review if {
	d := decide(testing.prod_db, [testing.with_fields("explain", {"explain_analyze": true, "writes": true, "has_where": false, "nested_kinds": ["delete"]})])
	d.review.required
	"statement 1 (explain): DELETE without a WHERE clause needs approval" in d.review.reasons
}

test_server_file_and_large_object_functions_denied if {
	d := decide(testing.prod_db, [testing.with_fields("select", {"functions": ["pg_catalog.LO_EXPORT", "pg_read_file", "lower"]})])
	d.deny == [
		"statement 1 (select): function pg_catalog.LO_EXPORT is not allowed on target prod-db",
		"statement 1 (select): function pg_read_file is not allowed on target prod-db",
	]
}

test_copy_program_denied_everywhere if {
	copy := testing.with_fields("copy", {"copy": {"direction": "to", "program": true, "stdio": false}})
	not decide(testing.prod_db, [copy]).allow
	decide(testing.staging_db, [copy]).deny == ["statement 1 (copy): COPY ... PROGRAM runs a shell command on the database server"]
}

test_copy_server_file_denied_and_stdio_allowed if {
	from_file := testing.with_fields("copy", {"copy": {"direction": "from", "program": false, "stdio": false}})
	decide(testing.prod_db, [from_file]).deny == ["statement 1 (copy): COPY to or from a server file is not allowed on target prod-db"]
	decide(testing.prod_db, [testing.with_fields("copy", {"copy": {"direction": "to", "program": false, "stdio": true}})]).allow
}

test_update_without_where_needs_review_on_production if {
	d := decide(testing.prod_db, [testing.with_fields("update", {"has_where": false, "writes": true})])
	not d.allow
	d.review.required
	d.review.reasons == ["statement 1 (update): UPDATE without a WHERE clause needs approval"]
	d.review.approver_groups == ["dba-oncall"]
}

test_delete_with_tautology_needs_review if {
	d := decide(testing.prod_db, [testing.with_fields("delete", {"where_tautology": true, "writes": true})])
	d.review.reasons == ["statement 1 (delete): WHERE clause is always true, so the statement touches every row"]
}

test_unbounded_write_is_fine_on_staging if {
	decide(testing.staging_db, [testing.with_fields("delete", {"has_where": false})]).allow
}

test_approved_review_allows if {
	d := command.decision with input as object.union(
		testing.postgres(testing.prod_db, [testing.with_fields("delete", {"has_where": false})]),
		{"approval": {"granted": true}},
	)
	d.allow
	not d.review.required
}

test_explain_analyze_of_write_needs_review if {
	d := decide(testing.prod_db, [testing.with_fields("explain", {"explain_analyze": true, "writes": true, "nested_kinds": ["insert"]})])
	d.review.reasons == ["statement 1 (explain): EXPLAIN ANALYZE executes the statement, and it writes"]
	decide(testing.prod_db, [testing.with_fields("explain", {"explain_analyze": true, "nested_kinds": ["select"]})]).allow
}

test_dynamic_sql_and_other_need_review if {
	d := decide(testing.prod_db, [testing.with_fields("call", {"dynamic_sql": true}), testing.statement("other")])
	d.review.reasons == [
		"statement 1 (call): dynamic SQL cannot be judged before it runs",
		"statement 2 (other): other needs approval on target prod-db",
	]
}

test_strictest_statement_wins if {
	d := decide(testing.prod_db, [
		testing.statement("select"),
		testing.with_fields("delete", {"has_where": false}),
		testing.statement("truncate"),
	])
	not d.allow
	d.deny == ["statement 3 (truncate): truncate is not allowed on target prod-db"]
	not d.review.required
	count(d.review.reasons) == 1
}

test_unparseable_is_denied_everywhere if {
	d := decide(testing.staging_db, [testing.with_fields("unparseable", {"error": "syntax error"})])
	d.deny == ["statement 1 (unparseable): statement could not be parsed, so it cannot be judged"]
}

test_unclassified_text_is_denied if {
	d := command.decision with input as object.union(testing.postgres(testing.prod_db, []), {"command": {"text": "drop table x", "protocol": "postgres", "statements": []}})
	d.deny == ["command text was not classified into statements"]
	empty := command.decision with input as object.union(testing.postgres(testing.prod_db, []), {"command": {"text": " ", "protocol": "postgres", "statements": []}})
	empty.allow
}

test_unknown_identity_cannot_run_commands if {
	d := command.decision with input as object.union(testing.postgres(testing.prod_db, [testing.statement("select")]), {"identity": testing.sre})
	d.deny == ["identity sp-sre has no grant for target prod-db"]
}

test_protocol_mismatch_and_unknown_protocol if {
	d := command.decision with input as object.union(testing.postgres(testing.prod_db, []), {"command": {"text": "", "protocol": "mysql"}})
	d.deny == ["command protocol differs from the target's protocol", "command protocol is not supported"]
	missing := command.decision with input as object.remove(testing.postgres(testing.prod_db, []), ["command"])
	missing.deny == ["command protocol is not supported"]
}

# A decision may be reused until the next expiry of a grant of the issuer, at most an hour.
test_reuse_until_is_the_next_grant_expiry if {
	input_at := object.union(testing.postgres(testing.prod_db, [testing.statement("select")]), {"now_ns": 100})
	d := command.decision with input as input_at
		with data.portcullis.grants["ci-migrations"].expires_ns as 500
	d.reuse_until_ns == 500
}

test_reuse_until_ignores_expired_grants_and_caps_at_an_hour if {
	input_at := object.union(testing.postgres(testing.prod_db, [testing.statement("select")]), {"now_ns": 100})
	d := command.decision with input as input_at
		with data.portcullis.grants["ci-migrations"].expires_ns as 50
	d.reuse_until_ns == 100 + 3600000000000
}

test_no_reuse_without_a_clock if {
	d := command.decision with input as json.remove(testing.postgres(testing.prod_db, [testing.statement("select")]), ["now_ns"])
	not d.reuse_until_ns
}
