package io.spikestream.plasticity.eprop;

/**
 * The pseudo-derivatives of the spike function NEST's e-prop neurons offer ({@code surrogate_gradient_function}),
 * as NEST's code computes them (spec §4.1; the docstring formulas differ). {@code d = v - theta} with voltages
 * relative to E_L and the pre-reset membrane; zero while refractory.
 */
public enum SurrogateGradient {
    PIECEWISE_LINEAR("piecewise_linear"),
    EXPONENTIAL("exponential"),
    FAST_SIGMOID_DERIVATIVE("fast_sigmoid_derivative"),
    ARCTAN_DERIVATIVE("arctan_derivative");

    private final String nestName;

    SurrogateGradient(String nestName) {
        this.nestName = nestName;
    }

    public String nestName() {
        return nestName;
    }

    public static SurrogateGradient byName(String name) {
        for (SurrogateGradient s : values()) {
            if (s.nestName.equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown surrogate_gradient_function '" + name
            + "'; known: piecewise_linear, exponential, fast_sigmoid_derivative, arctan_derivative");
    }

    /** psi for refractory count r, membrane v, threshold theta, height and width. */
    public double psi(int r, double v, double theta, double height, double width) {
        if (r > 0) {
            return 0.0;
        }
        return switch (this) {
            case PIECEWISE_LINEAR -> height * Math.max(0.0, 1.0 - Math.abs(v - theta) / width);
            case EXPONENTIAL -> height * Math.exp(-Math.abs(v - theta) / width);
            case FAST_SIGMOID_DERIVATIVE -> height * Math.pow(1.0 + Math.abs(v - theta) / width, -2.0);
            case ARCTAN_DERIVATIVE -> height / (1.0 + Math.pow((v - theta) / width, 2.0));
        };
    }
}
