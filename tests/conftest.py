import os

# Quieter TensorFlow logs in test output; set before keras is imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib

matplotlib.use("Agg")
