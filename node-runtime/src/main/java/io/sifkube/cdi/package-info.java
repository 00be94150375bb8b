/**
 * The Container Device Interface (CDI, cncf-tags/container-device-interface): spec files read from
 * a list of directories, qualified device names ({@code vendor/class=name}), and the edits a device
 * makes to an OCI runtime spec. Pure but for reading spec files and {@code lstat} of host device
 * nodes; the caller decides when to read them and what to do with errors.
 *
 * <p>Where this package departs from the reference Go library (its main branch after v1.1.0), the
 * class that does so says why: duplicate requests are injected once, a device that conflicts at one
 * priority is offered again when a higher-priority directory defines it, mixed-case keys are
 * refused, and the spec's own rules on absolute paths and hook timeouts are enforced.
 */
package io.sifkube.cdi;
