import { dataPlaneDeps } from '../../shared/data-plane-wiring';
import { createListReservationsHandler } from './handler';

export const handler = createListReservationsHandler(dataPlaneDeps('api-reservations'));
