"""Policy: the CI gate, waivers and VEX. ``apply_policy`` turns a result into a verdict."""
