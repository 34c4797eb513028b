/**
 * The fixed loopback ports of the stand-ins in a local run (`npm start`) and in the end-to-end
 * tests, where functions/.env.local points the emulated functions (EMULATOR_PORT_OFFSET moves the
 * emulators only, not these).
 */
export const LOCAL_PORTS = {
  calcom: 5601,
  stripe: 5602,
  fcm: 5603,
  smtp: 5604,
  mailViewer: 5605,
} as const;

/** The Trigger Email extension's DEFAULT_FROM in local runs. */
export const LOCAL_MAIL_FROM = "Coachify <no-reply@coachify.test>";
