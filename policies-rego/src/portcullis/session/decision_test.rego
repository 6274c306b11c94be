package portcullis.session_test

import data.portcullis.session
import data.portcullis.testing

test_grant_by_app_id_and_label_allows if {
	d := session.decision with input as {"identity": testing.deployer, "target": testing.prod_db}
	d.allow
	d.deny == []
	not d.review.required
}

test_grant_by_role_and_target_name_allows if {
	d := session.decision with input as {"identity": testing.reporter, "target": {"name": "analytics-db", "protocol": "postgres", "labels": {}}}
	d.allow
}

test_untrusted_issuer_is_denied if {
	d := session.decision with input as {"identity": object.union(testing.deployer, {"issuer": "https://evil.example"}), "target": testing.prod_db}
	not d.allow
	d.deny == ["identity issuer is not trusted: https://evil.example"]
}

test_unknown_identity_is_denied if {
	d := session.decision with input as {"identity": object.union(testing.deployer, {"app_id": "nobody"}), "target": testing.prod_db}
	not d.allow
	d.deny == ["identity sp-deployer has no grant for target prod-db"]
}

test_grant_does_not_reach_other_targets if {
	d := session.decision with input as {"identity": testing.reporter, "target": testing.prod_db}
	not d.allow
}

test_label_selector_needs_every_label if {
	d := session.decision with input as {"identity": testing.deployer, "target": {"name": "prod-cache", "protocol": "postgres", "labels": {"env": "production"}}}
	not d.allow
}

test_missing_identity_is_denied_with_reason if {
	d := session.decision with input as {"target": testing.prod_db}
	not d.allow
	d.deny == ["identity issuer is not trusted: <missing>"]
}

test_unsupported_protocol_is_denied if {
	d := session.decision with input as {"identity": testing.deployer, "target": object.union(testing.prod_db, {"protocol": "mysql"})}
	"target protocol is not supported" in d.deny
}

test_expired_grant_is_denied if {
	d := session.decision with input as {"identity": testing.deployer, "target": testing.prod_db, "now_ns": 20}
		with data.portcullis.grants["ci-migrations"].expires_ns as 10
	not d.allow
}

test_target_session_review if {
	d := session.decision with input as {"identity": testing.sre, "target": testing.prod_host}
	not d.allow
	d.review.required
	d.review.reasons == ["target prod-host requires approval to open a session"]
	d.review.approver_groups == ["sre-oncall"]
	d.review.ttl_seconds == 900
}

test_approved_session_review_allows if {
	d := session.decision with input as {"identity": testing.sre, "target": testing.prod_host, "approval": {"granted": true}}
	d.allow
	not d.review.required
}

test_grant_session_review if {
	d := session.decision with input as {"identity": testing.sre, "target": testing.dev_host}
		with data.portcullis.grants["sre-automation"].session_review as true
	d.review.reasons == ["grant sre-automation requires approval to open a session"]
}

test_approval_cannot_lift_a_deny if {
	d := session.decision with input as {"identity": object.union(testing.sre, {"issuer": "x"}), "target": testing.prod_host, "approval": {"granted": true}}
	not d.allow
	not d.review.required
}

test_time_boxed_grant_needs_a_clock if {
	d := session.decision with input as {"identity": testing.deployer, "target": testing.prod_db}
		with data.portcullis.grants["ci-migrations"].expires_ns as 10
	not d.allow
}

test_reasons_name_missing_fields if {
	d := session.decision with input as {"identity": {"issuer": testing.entra}, "target": {"protocol": "ssh"}}
	d.deny == ["identity <missing> has no grant for target <missing>"]
}

test_grant_names_the_postgres_role if {
	d := session.decision with input as {"identity": testing.deployer, "target": testing.prod_db}
	d.allow
	d.upstream == {"role": "migrator"}
}

test_target_names_the_role_when_no_grant_does if {
	d := session.decision with input as {"identity": testing.reporter, "target": {"name": "analytics-db", "protocol": "postgres", "labels": {}}}
		with data.portcullis.targets["analytics-db"] as {"postgres_role": "analytics_reader"}
	d.upstream == {"role": "analytics_reader"}
}

test_no_upstream_without_a_name if {
	d := session.decision with input as {"identity": testing.reporter, "target": {"name": "analytics-db", "protocol": "postgres", "labels": {}}}
	d.allow
	not d.upstream
}

test_ssh_principal_comes_from_the_grant if {
	d := session.decision with input as {"identity": testing.sre, "target": testing.prod_host}
	d.upstream == {"principal": "automation"}
}

test_grants_naming_different_roles_deny if {
	d := session.decision with input as {"identity": testing.deployer, "target": testing.prod_db}
		with data.portcullis.grants.second as {"issuer": testing.deployer.issuer, "app_ids": [testing.deployer.app_id], "targets": ["prod-db"], "postgres_role": "app_reader"}
	not d.allow
	"grants name different upstream identities (postgres_role) for target prod-db: app_reader, migrator" in d.deny
}
