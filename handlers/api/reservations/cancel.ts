import { dataPlaneDeps } from '../../shared/data-plane-wiring';
import { createCancelReservationHandler } from './handler';

export const handler = createCancelReservationHandler(dataPlaneDeps('api-reservations'));
