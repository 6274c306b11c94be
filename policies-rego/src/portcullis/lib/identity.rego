# METADATA
# title: Identities
# description: |
#   Which identities may reach which targets. data.portcullis.issuers lists
#   the trusted OIDC issuers; data.portcullis.grants lists who (by app id,
#   group or role, under one issuer) may use which targets (by name or by
#   label selector). An identity no grant names is unknown and is denied.
package portcullis.lib.identity

matching_grants contains name if {
	some name, grant in data.portcullis.grants
	grant.issuer == input.identity.issuer
	selects_identity(grant)
	selects_target(grant)
	not expired(grant)
}

# Reasons an identity may not use the target; empty when some grant matches.
# A helper rule rather than an inline `not`: OPA lifts the input reference out
# of an inline negation, so a missing issuer would skip the deny.
trusted_issuer if data.portcullis.issuers[input.identity.issuer]

deny contains msg if {
	not trusted_issuer
	msg := concat("", ["identity issuer is not trusted: ", issuer_text])
}

deny contains msg if {
	trusted_issuer
	count(matching_grants) == 0
	msg := concat("", [
		"identity ", subject_text,
		" has no grant for target ", target_text,
	])
}

selects_identity(grant) if input.identity.app_id in object.get(grant, "app_ids", [])

selects_identity(grant) if {
	some group in object.get(grant, "groups", [])
	group in object.get(input.identity, "groups", [])
}

selects_identity(grant) if {
	some role in object.get(grant, "roles", [])
	role in object.get(input.identity, "roles", [])
}

selects_target(grant) if input.target.name in object.get(grant, "targets", [])

# A label selector matches when every label it names has an allowed value;
# an empty selector would match every target, so it matches none.
selects_target(grant) if {
	some selector in object.get(grant, "target_labels", [])
	count(selector) > 0
	every key, values in selector {
		input.target.labels[key] in values
	}
}

# Until when a decision on this input stays what a fresh evaluation would say:
# the rules read the clock only through grants' expires_ns, so until the next
# expiry of a grant of this issuer that has not yet expired (an hour when none
# of them is time-boxed). The host reuses a command decision for the same
# input up to then, never after (the session core's decision cache).
reuse_until_ns := min(expiries) if {
	clock_known
	expiries := {t |
		some grant in data.portcullis.grants
		grant.issuer == input.identity.issuer
		is_number(grant.expires_ns)
		grant.expires_ns > input.now_ns
		t := grant.expires_ns
	} | {input.now_ns + 3600000000000}
}

# Grants may be time-boxed; the host supplies now_ns so that policies stay
# pure and the wasm needs no clock.
expired(grant) if input.now_ns >= grant.expires_ns

# Without a clock a time-boxed grant cannot be shown to be current.
expired(grant) if {
	grant.expires_ns
	not clock_known
}

clock_known if is_number(input.now_ns)

# Reasons must read well even when the input lacks a field: an undefined
# value inside concat would silently drop the deny reason.
issuer_text := input.identity.issuer if is_string(input.identity.issuer)

else := "<missing>"

subject_text := input.identity.subject if is_string(input.identity.subject)

else := "<missing>"

target_text := input.target.name if is_string(input.target.name)

else := "<missing>"
