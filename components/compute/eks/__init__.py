"""The EKS platform: cluster, node groups, add-ons, controllers, IRSA roles, node sizing, runner settings."""
