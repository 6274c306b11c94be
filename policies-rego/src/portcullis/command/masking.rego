# METADATA
# title: Result masking
# description: |
#   Which result columns the proxy masks, and how. Sensitive columns are
#   data: data.portcullis.masking.columns (global) and
#   data.portcullis.targets[name].masking.columns (per target, wins), each
#   mapping "schema.table.column" to a method (redact, partial, hash).
#   Detectors (credit_card, us_ssn, iban, email, phone, aws_access_key_id,
#   aws_secret_access_key, jwt) scan every text value whatever its column:
#   data.portcullis.masking.detectors lists them with their methods, and an
#   operator turns one off by naming it in masking.detectors_off (global) or
#   targets[name].masking.detectors_off (that target only).
package portcullis.command.masking

import data.portcullis.lib.targets

target_masking := object.get(targets.config, "masking", {})

sensitive_columns := object.union(
	object.get(data.portcullis.masking, "columns", {}),
	object.get(target_masking, "columns", {}),
)

# What the proxy does with a result column computed from a sensitive column
# through an expression it cannot trace: "mask" it or "deny" the statement.
derived := object.get(target_masking, "derived", object.get(data.portcullis.masking, "derived", "deny"))

columns_read contains column if some column in object.get(input.command, "columns_read", [])

columns_read contains column if {
	some statement in input.command.statements
	some column in object.get(statement, "columns_read", [])
}

masked_columns[column] := method if {
	some column, method in sensitive_columns
	some read in columns_read
	covers(read, column)
}

covers(read, column) if read == column

# "public.users.*" (SELECT *) reads every column of public.users.
covers(read, column) if {
	endswith(read, ".*")
	startswith(column, trim_suffix(read, "*"))
	count(split(column, ".")) == count(split(read, "."))
}

column_masks := [{"column": column, "method": masked_columns[column]} |
	some column in sort([name | some name, _ in masked_columns])
]

detectors_off := {name | some name in object.get(data.portcullis.masking, "detectors_off", [])} | {name |
	some name in object.get(target_masking, "detectors_off", [])
}

detector_masks := [rule |
	some rule in object.get(data.portcullis.masking, "detectors", [])
	not rule.detector in detectors_off
]

mask := array.concat(column_masks, detector_masks)
