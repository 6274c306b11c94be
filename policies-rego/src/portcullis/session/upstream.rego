# Upstream identity. Who a session acts as on its upstream: a PostgreSQL role (postgres_role)
# or an SSH principal (ssh_principal), named by the grants that let the
# identity in, else by the target (data.portcullis.targets[name]). The
# gateway issues a credential for exactly that role or principal, for this
# session only. Matching grants that name different ones deny: which one
# was meant cannot be guessed.
package portcullis.session

import data.portcullis.lib.identity
import data.portcullis.lib.targets

credential_key := "postgres_role" if input.target.protocol == "postgres"

credential_key := "ssh_principal" if input.target.protocol == "ssh"

granted_names contains name if {
	some grant_name in identity.matching_grants
	name := data.portcullis.grants[grant_name][credential_key]
}

upstream_name := name if {
	count(granted_names) == 1
	some name in granted_names
}

upstream_name := targets.config[credential_key] if count(granted_names) == 0

deny contains msg if {
	count(granted_names) > 1
	msg := concat("", [
		"grants name different upstream identities (", credential_key, ") for target ",
		identity.target_text, ": ", concat(", ", sort(granted_names)),
	])
}

upstream_field := "role" if input.target.protocol == "postgres"

upstream_field := "principal" if input.target.protocol == "ssh"

upstream := {upstream_field: upstream_name}
