/** Placeholder: filled by its issue. */
package dev.trpo.policy;
