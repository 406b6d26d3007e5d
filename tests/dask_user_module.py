"""A user's own module, as a Dask worker sees it: a build function and a custom Keras layer.

Workers import it by name when they unpickle a task (the Dask tests ship it with
``client.upload_file``, as a user without a shared file system would).
"""

import os

import keras


@keras.saving.register_keras_serializable(package="skdeep_tests")
class ScaledDense(keras.layers.Layer):
    """A Dense layer whose output is multiplied by a fixed ``scale``."""

    def __init__(self, units, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.scale = int(units), float(scale)

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, x):
        return (keras.ops.matmul(x, self.kernel) + self.bias) * self.scale

    def get_config(self):
        return {**super().get_config(), "units": self.units, "scale": self.scale}


def build_model(n_features_in, n_outputs, output_activation, units=8, scale=1.0, die_flag=""):
    """A network with the user's layer; kills its own process once if ``die_flag`` exists.

    The flag file is removed by the one process that dies, so a search sees a
    single worker death, as when a node goes away mid-search.
    """
    if die_flag:
        try:
            os.remove(die_flag)
        except FileNotFoundError:
            pass
        else:
            os._exit(1)
    inputs = keras.Input((n_features_in,))
    x = keras.layers.Activation("relu")(ScaledDense(units, scale)(inputs))
    return keras.Model(inputs, keras.layers.Dense(n_outputs, activation=output_activation)(x))
