package portcullis.command.masking_test

import data.portcullis.command
import data.portcullis.testing

reading(target, columns) := d if {
	statements := [testing.with_fields("select", {"columns_read": columns})]
	d := command.decision with input as object.union(
		testing.postgres(target, statements),
		{"command": object.union(testing.sql(statements), {"columns_read": columns})},
	)
}

test_sensitive_columns_are_masked_with_their_method if {
	d := reading(testing.staging_db, ["public.users.email", "public.users.id", "public.users.ssn"])
	d.mask == array.concat(
		[
			{"column": "public.users.email", "method": "partial"},
			{"column": "public.users.ssn", "method": "hash"},
		],
		testing.detectors,
	)
}

test_star_covers_every_sensitive_column_of_the_table if {
	d := reading(testing.staging_db, ["public.payments.*"])
	d.mask == array.concat([{"column": "public.payments.card_number", "method": "redact"}], testing.detectors)
}

test_target_adds_its_own_columns if {
	d := reading(testing.prod_db, ["public.payments.iban"])
	d.mask[0] == {"column": "public.payments.iban", "method": "partial"}
	reading(testing.staging_db, ["public.payments.iban"]).mask == testing.detectors
}

test_columns_from_statements_alone_are_masked if {
	d := command.decision with input as testing.postgres(testing.staging_db, [testing.with_fields("select", {"columns_read": ["public.users.phone"]})])
	d.mask[0] == {"column": "public.users.phone", "method": "partial"}
}

test_derived_choice_comes_from_data if {
	reading(testing.staging_db, []).mask_derived == "mask"
	d := reading(testing.staging_db, []) with data.portcullis.masking.derived as "deny"
	d.mask_derived == "deny"
	t := reading(testing.prod_db, []) with data.portcullis.targets["prod-db"].masking.derived as "deny"
	t.mask_derived == "deny"
}

test_ssh_has_no_masks if {
	d := command.decision with input as testing.shell(testing.dev_host, ["ls"], false)
	d.mask == []
}

test_every_validated_detector_runs_by_default if {
	kinds := {rule.detector | some rule in reading(testing.staging_db, []).mask}
	kinds == {"credit_card", "us_ssn", "iban", "email", "phone", "aws_access_key_id", "aws_secret_access_key", "jwt"}
}

test_operator_turns_a_detector_off if {
	off := reading(testing.staging_db, []) with data.portcullis.masking.detectors_off as ["phone"]
	kinds := {rule.detector | some rule in off.mask}
	not "phone" in kinds
	"email" in kinds
	target := reading(testing.prod_db, []) with data.portcullis.targets["prod-db"].masking.detectors_off as ["email", "jwt"]
	count(target.mask) == 6
	count(reading(testing.staging_db, []).mask) == 8
}
