import { dataPlaneDeps } from '../../shared/data-plane-wiring';
import { createCreateReservationHandler } from './handler';

export const handler = createCreateReservationHandler(dataPlaneDeps('api-reservations'));
