package io.modelhealth.bench;

/**
 * One measured figure: what, how much, against which goal, and how it was measured.
 *
 * @param met true/false against the goal; null when the figure has no goal of its own (context)
 */
public record Figure(String name, double value, String unit, String goal, Boolean met, String method) {

    public static Figure info(String name, double value, String unit, String method) {
        return new Figure(name, value, unit, "", null, method);
    }

    public String formatted() {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        String v = Math.abs(value) >= 100 || value == Math.rint(value)
                ? String.format(java.util.Locale.ROOT, "%,.0f", value)
                : String.format(java.util.Locale.ROOT, "%.3g", value);
        return unit.isEmpty() ? v : v + " " + unit;
    }
}
