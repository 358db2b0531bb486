"""Import of raw source-system deliveries into a prepared data set (DOMAIN §7.2, §7.4, D8–D14)."""
