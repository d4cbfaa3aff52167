"""The churn model: training with an honest evaluation and a threshold rule, scoring, the model card and the model store."""
