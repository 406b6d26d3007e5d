import os

# Quieter TensorFlow logs in test output; set before keras is imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

try:  # the floor-version CI stage runs a subset without the plotting extras
    import matplotlib
except ImportError:
    pass
else:
    matplotlib.use("Agg")
