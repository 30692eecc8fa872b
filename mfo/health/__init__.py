"""The health blueprint: a probe for load balancers and orchestrators."""
