# Inputs shared by the policy tests: one trusted identity per grant in the
# default data, targets as the gateway labels them, and statement builders
# that fill every field the classifier always sends.
package portcullis.testing

entra := "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0"

deployer := {"subject": "sp-deployer", "issuer": entra, "app_id": "11111111-1111-1111-1111-111111111111", "kind": "service_principal", "groups": [], "roles": []}

reporter := {"subject": "sp-reports", "issuer": entra, "app_id": "22222222", "kind": "service_principal", "groups": [], "roles": ["Reports.Read"]}

sre := {"subject": "sp-sre", "issuer": entra, "app_id": "33333333", "kind": "service_principal", "groups": ["sre-automation"], "roles": []}

prod_db := {"name": "prod-db", "protocol": "postgres", "labels": {"env": "production", "kind": "database"}}

staging_db := {"name": "staging-db", "protocol": "postgres", "labels": {"env": "staging", "kind": "database"}}

prod_host := {"name": "prod-host", "protocol": "ssh", "labels": {"env": "production", "kind": "host"}}

dev_host := {"name": "dev-host", "protocol": "ssh", "labels": {"env": "dev", "kind": "host"}}

statement(kind) := {
	"kind": kind, "text": kind, "objects": [], "has_where": true, "where_tautology": false,
	"writes": false, "nested_kinds": [], "functions": [], "columns_read": [],
	"explain_analyze": false, "copy": null, "dynamic_sql": false,
}

with_fields(kind, fields) := object.union(statement(kind), fields)

sql(statements) := {"text": "sql", "protocol": "postgres", "statements": statements, "columns_read": []}

postgres(target, statements) := {
	"identity": deployer, "target": target, "session": {"id": "s-1"},
	"command": sql(statements), "approval": {"granted": false}, "now_ns": 1,
}

shell(target, argv, sudo) := {
	"identity": sre, "target": target, "session": {"id": "s-2"},
	"command": {"text": concat(" ", argv), "protocol": "ssh", "statements": [], "argv": argv, "program": argv[0], "sudo": sudo},
	"approval": {"granted": false}, "now_ns": 1,
}

# The detectors the shipped data runs on every text value.
detectors := [
	{"detector": "credit_card", "method": "redact"},
	{"detector": "us_ssn", "method": "redact"},
	{"detector": "iban", "method": "redact"},
	{"detector": "email", "method": "redact"},
	{"detector": "phone", "method": "redact"},
	{"detector": "aws_access_key_id", "method": "redact"},
	{"detector": "aws_secret_access_key", "method": "redact"},
	{"detector": "jwt", "method": "redact"},
]
