package io.modelhealth.config;

/** A status-code condition of a class rule: one code ({@code 429}) or an inclusive range ({@code 500-599}). */
public record StatusRange(int from, int to) {

    public static StatusRange parse(String key, String text) {
        String t = text.trim();
        try {
            int dash = t.indexOf('-');
            int from = Integer.parseInt(dash < 0 ? t : t.substring(0, dash).trim());
            int to = dash < 0 ? from : Integer.parseInt(t.substring(dash + 1).trim());
            if (from < 0 || to > 599 || from > to) {
                throw new ConfigException(key, "'" + text + "' is not a status code or range within 0-599");
            }
            return new StatusRange(from, to);
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "'" + text + "' is not a status code (429) or range (500-599)");
        }
    }

    public boolean contains(int status) {
        return status >= from && status <= to;
    }
}
