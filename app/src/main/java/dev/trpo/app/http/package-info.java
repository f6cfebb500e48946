/** The metrics and health HTTP endpoint every long-running process serves. */
package dev.trpo.app.http;
